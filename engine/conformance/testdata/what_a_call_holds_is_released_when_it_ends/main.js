const schema = {v: "string"};
function call() {
  probe.hold("connection");
  throw new Error("boom");
}
