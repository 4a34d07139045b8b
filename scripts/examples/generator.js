// A generator: how many rows it makes comes from the invocation's
// parameters. The twin of generator.star.
//
// Try it:  flexfun-script call GeneratorJs --params '{"rows": 5, "start": 100}'

const name = "GeneratorJs";
const metadata = { description: "rows = parameters.rows (default 10), ids from parameters.start (default 0)" };
const schema = {
  id: "int64 not null",
  label: "string",
  value: "float64",
  day: "date32",
};

const MAX_ROWS = 10_000_000;

function call(parameters, columns, headers, ctx) {
  const rows = parameters.rows ?? 10;
  const start = parameters.start ?? 0;
  if (!Number.isInteger(rows) || rows < 0 || rows > MAX_ROWS) {
    throw new Error(`parameters.rows must be an integer from 0 to ${MAX_ROWS}, got ${JSON.stringify(rows)}`);
  }
  for (let i = start; i < start + rows; i++) {
    emit(i, "row_" + i, i * 0.5, 19000 + (i % 365));
  }
}
