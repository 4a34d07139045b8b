const schema = {v: "int64"};
function cancel() {
  print("cancel hook ran");
}
function call() {
  let n = 0;
  while (true) { n += 1; }
}
