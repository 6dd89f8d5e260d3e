import { render } from 'preact';
import { App } from './app.js';
import { session } from './context.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  render(<App />, root);
}
// A reload of a signed-in tab: spend the stored refresh token for a new access token.
void session.restore();
