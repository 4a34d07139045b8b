// Returns one row after parameters.ms milliseconds: the twin of sleep.star
// in JavaScript. It waits in a loop; the server interrupts it on cancel.

const name = "SleepJs";
const metadata = { description: "Returns one row after parameters.ms milliseconds (JavaScript)" };
const schema = { n: "int64" };

function call(parameters, columns, headers) {
  const end = Date.now() + (parameters.ms ?? 0);
  while (Date.now() < end) {}
  emit(1);
}
