import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app.js';
import { currentLang } from './i18n/i18n.js';

document.documentElement.lang = currentLang();
render(<App />, document.getElementById('app')!);
