// Hostile: returns values its schema does not accept.
const name = "HostileBadValue";
const schema = { n: "int64 not null" };

function call(parameters) {
  return [[null], ["x"], [1.5]];
}
