// The pieces of Chart.js the dashboard draws with, registered once. Imported by name so the
// bundler leaves the rest of the library out, and loaded by ReportChart with a dynamic import so
// only the reports page ever downloads it.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  LineController,
  BarElement,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

export { Chart };
