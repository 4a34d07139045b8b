const schema = {v: "int64"};
let n = 0;
for (;;) { n++; }
function call() {}
