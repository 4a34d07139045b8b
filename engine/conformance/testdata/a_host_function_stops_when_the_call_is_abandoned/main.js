const schema = {v: "string"};
function call() {
  emit(probe.wait(60));
}
