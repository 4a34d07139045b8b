// Hostile: single steps that, unbounded, asked for terabytes at once or
// overflowed the Go stack; each must fail with a RangeError.
const name = "HostileOneStep";
const schema = {n: "int64"};

function call(parameters) {
  let refused = 0;
  for (const step of [
    () => new ArrayBuffer(2 ** 40),
    () => 1n << 100000000000n,
    () => JSON.parse("[".repeat(5000000) + "]".repeat(5000000)),
    () => new Array(2 ** 32 - 1).fill(0),
  ]) {
    try { step(); } catch (e) { if (e instanceof RangeError) refused++; }
  }
  throw new Error("refused " + refused + " of 4 steps");
}
