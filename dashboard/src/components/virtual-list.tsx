import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  renderRow: (index: number) => ComponentChildren;
  /** Told which rows are on screen (to load them). */
  onRange?: (first: number, last: number) => void;
  /** Changes of this value scroll back to the top (a new search). */
  resetKey?: unknown;
  testId?: string;
}

/**
 * A list that renders only the rows in view: the DOM holds a few dozen rows whatever the count,
 * so 10,000 devices scroll like 50. Rows are positioned with transforms (set through the CSSOM,
 * which the strict CSP allows) inside a spacer as tall as the whole list.
 */
export function VirtualList({ count, rowHeight, overscan = 8, renderRow, onRange, resetKey, testId }: VirtualListProps) {
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = box.current!;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const onScroll = () => {
      if (frame.current) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = 0;
        measure();
      });
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, []);

  useEffect(() => {
    if (box.current) box.current.scrollTop = 0;
  }, [resetKey]);

  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  useEffect(() => {
    onRange?.(first, last);
  }, [first, last, count, resetKey]);

  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div class="vrow" key={i} style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div class="vlist" ref={box} data-testid={testId}>
      <div class="vspacer" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
