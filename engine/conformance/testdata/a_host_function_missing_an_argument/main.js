const schema = {v: "string"};
function call() {
  probe.describe();
}
