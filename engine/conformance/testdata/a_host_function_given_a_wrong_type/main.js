const schema = {v: "string"};
function call() {
  probe.seconds([1]);
}
// want-error: probe.seconds: for parameter d: got array, want a duration string or a number of seconds
