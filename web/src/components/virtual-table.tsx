import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  header: string;
  width: string;
  render: (row: T) => ComponentChildren;
  align?: 'left' | 'right';
  /** Sort value; columns without one are not sortable. */
  sort?: (row: T) => string | number;
}

/**
 * A table that renders only the rows in view (plus a few either side), so 1,000 or 20,000 rows cost the same
 * to draw. Rows have a fixed height; the body scrolls inside a fixed-height box. Headers are buttons that sort,
 * so the table is usable from the keyboard; the body is focusable and scrolls with the arrow keys.
 */
export function VirtualTable<T>({ rows, columns, rowKey, label, rowHeight = 34, height = 560 }: {
  rows: readonly T[]; columns: Column<T>[]; rowKey: (row: T) => string; label: string; rowHeight?: number; height?: number;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const template = columns.map((c) => c.width).join(' ');

  let sorted = rows;
  const sortColumn = sort && columns.find((c) => c.key === sort.key);
  if (sort && sortColumn?.sort) {
    const by = sortColumn.sort;
    sorted = [...rows].sort((a, b) => {
      const x = by(a);
      const y = by(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
  }
  const viewport = Math.min(height, Math.max(rowHeight, sorted.length * rowHeight));
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - 8);
  const last = Math.min(sorted.length, Math.ceil((scrollTop + viewport) / rowHeight) + 8);

  useEffect(() => {
    if (body.current && scrollTop > sorted.length * rowHeight) {
      body.current.scrollTop = 0;
      setScrollTop(0);
    }
  }, [sorted.length]);

  return (
    <div class="vtable" role="table" aria-label={label} aria-rowcount={sorted.length + 1}>
      <div class="vrow vhead" role="row" style={{ gridTemplateColumns: template }}>
        {columns.map((c) => (
          <div role="columnheader" key={c.key} class={c.align === 'right' ? 'num' : ''}
            aria-sort={sort?.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined}>
            {c.sort ? (
              <button type="button" class="sort" onClick={() => setSort(sort?.key === c.key ? { key: c.key, dir: sort.dir === 1 ? -1 : 1 } : { key: c.key, dir: 1 })}>
                {c.header}{sort?.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
              </button>
            ) : c.header}
          </div>
        ))}
      </div>
      <div class="vbody" ref={body} tabIndex={0} style={{ height: `${viewport}px` }} aria-label={`${label}: ${sorted.length} rows; scroll with the arrow keys`}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
        <div style={{ height: `${sorted.length * rowHeight}px`, position: 'relative' }}>
          {sorted.slice(first, last).map((row, i) => (
            <div class="vrow" role="row" key={rowKey(row)} aria-rowindex={first + i + 2} data-row={rowKey(row)}
              style={{ gridTemplateColumns: template, transform: `translateY(${(first + i) * rowHeight}px)`, height: `${rowHeight}px` }}>
              {columns.map((c) => <div role="cell" key={c.key} class={c.align === 'right' ? 'num' : ''}>{c.render(row)}</div>)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
