import type { ReactNode } from 'react';

/** A scrollable table with one header row of column titles; the rows are the children. */
export function DataTable({
  columns,
  caption,
  className,
  children,
}: {
  columns: string[];
  /** Read by screen readers only. */
  caption?: string;
  /** Added to the `table` class. */
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
