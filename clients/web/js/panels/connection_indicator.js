// The connection indicator: live, connecting, or down with the retry delay.
import {setText} from '../dom.js';

const kLabels = {open: 'Live', connecting: 'Connecting…', closed: 'Disconnected'};

export function attachConnectionIndicator(node, socket) {
  const text = node.querySelector('.conn-text');
  socket.addEventListener('state', (event) => {
    const {state, retryInMs} = event.detail;
    node.dataset.state = state;
    let label = kLabels[state];
    if (state === 'closed' && retryInMs !== undefined) {
      label = `Disconnected — retrying in ${(retryInMs / 1000).toFixed(1)} s`;
    }
    setText(text, label);
  });
}
