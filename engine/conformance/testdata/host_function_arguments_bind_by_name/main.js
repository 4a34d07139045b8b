const schema = {v: "string"};
function call() {
  emit(probe.describe(1));
  emit(probe.describe("a", [1, 2], {x: {k: true}, y: null}));
  emit(probe.describe(null, 2.5));
  emit(probe.seconds("1m30s").toFixed(1) + " " + probe.seconds(2).toFixed(1));
}
