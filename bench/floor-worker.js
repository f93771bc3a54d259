// The cold start's floor (bench/run.mjs): the same extension with this as
// its worker, which loads nothing and answers the sensor's hello at once.
// Its cold start is the browser's own part (a new process, the worker's
// start, the port): what no work of Thaman's can take away on this machine.
chrome.runtime.onConnect.addListener((port) => port.onMessage.addListener((message) => {
  if (message && message.type === 'hello') port.postMessage({ type: 'track', rules: [], posts: [], overlay: false });
}));
