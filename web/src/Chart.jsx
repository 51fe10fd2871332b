// A uPlot time-series chart that follows its container's width. The canvas is hidden from
// assistive technology: every chart is shown next to a table with the same numbers.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * @param {{data: number[][], series: {label: string, stroke: string, dash?: number[]}[],
 *   yFormat: (v: number) => string, height?: number, testId?: string}} props
 *   data[0] is the x axis in seconds since the epoch.
 */
export function Chart({ data, series, yFormat, height = 240, testId, yRange }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const opts = {
      width: Math.max(280, el.clientWidth),
      height,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          dash: s.dash,
          points: { show: data[0].length < 60 },
          value: (u, v) => (v === null || v === undefined ? '–' : yFormat(v)),
        })),
      ],
      axes: [{}, { values: (u, vals) => vals.map(yFormat), size: 60 }],
      scales: yRange ? { y: { range: yRange } } : {},
      cursor: { drag: { x: false, y: false } },
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(280, el.clientWidth), height });
    });
    ro.observe(el);
    // uPlot draws on a canvas; the table beside the chart carries the numbers.
    el.querySelectorAll('canvas').forEach((c) => c.setAttribute('aria-hidden', 'true'));
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [data, series, height]);

  return <div class="chart" ref={box} data-testid={testId} />;
}
