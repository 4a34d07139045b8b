// Hostile: never ends; the call deadline must stop it and free its worker.
const name = "HostileLoopJs";
const schema = { n: "int64" };

function call(parameters) {
  let n = 0;
  for (;;) {
    n++;
  }
}
