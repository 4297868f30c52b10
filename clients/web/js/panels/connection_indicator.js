// The connection indicator: "Live" only while the websocket is open and
// pulse-server answers behind the bridge; "Server unavailable" while the
// bridge answers for a server that does not; connecting; or down, with why
// (a busy bridge asks to be left alone longer) and the retry delay.
import {setText} from '../dom.js';

// Labels of the close codes the bridge closes with on purpose.
const kCloseLabels = {1008: 'Dropped by the server', 1013: 'Server busy'};

// The indicator's data-state, label and title (the detail behind the label)
// for the socket's state, the backend's, and the last close's detail.
function indicatorView(socketState, backend, backendError, closed) {
  if (socketState === 'open') {
    if (backend === 'up') return {state: 'open', label: 'Live', title: ''};
    if (backend === 'down') {
      return {state: 'unavailable', label: 'Server unavailable',
        title: backendError?.message ?? ''};
    }
    // Open, and waiting for the server's first answer.
    return {state: 'connecting', label: 'Connecting…', title: ''};
  }
  if (socketState === 'connecting') return {state: 'connecting', label: 'Connecting…', title: ''};
  let label = kCloseLabels[closed.code] ?? 'Disconnected';
  if (closed.retryInMs !== undefined) {
    label = `${label} — retrying in ${(closed.retryInMs / 1000).toFixed(1)} s`;
  }
  return {state: 'closed', label, title: closed.reason ?? ''};
}

export function attachConnectionIndicator(node, socket) {
  const text = node.querySelector('.conn-text');
  let closed = {};
  const render = () => {
    const view = indicatorView(socket.state, socket.backend, socket.backendError, closed);
    node.dataset.state = view.state;
    node.title = view.title;
    setText(text, view.label);
  };
  socket.addEventListener('state', (event) => {
    if (event.detail.state === 'closed') closed = event.detail;
    render();
  });
  socket.addEventListener('backend', render);
}
