const name = "main";
const metadata = {z: 1, a: {nested: [true, null, "s", 2.5]}};
const schema = [["id", "int64 not null"], ["tag", {type: "string", nullable: false, metadata: {k: "v"}}], ["d", "date32"]];
function call() {}
