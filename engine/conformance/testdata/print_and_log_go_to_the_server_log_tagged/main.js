const schema = {id: "int64", name: "string"};
function call() {
  print("hello", 42);
  log.warning("slow source", {source: "api", ms: 1200});
}
