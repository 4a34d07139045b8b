// Hostile: allocates without end; the memory guard ([flexfun]
// memory_limit) must stop it, not a bystander.
const name = "HostileMemoryJs";
const schema = { n: "int64" };

function call(parameters) {
  const kept = [];
  for (let i = 0; ; i++) {
    kept.push({ i: i, s: "v" + i });
  }
}
