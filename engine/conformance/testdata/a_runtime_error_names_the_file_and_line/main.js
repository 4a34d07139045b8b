const schema = {id: "int64", name: "string"};
function call() {
  const x = undefined;
  return x.k;
}
// want-error: main.js:4:12: TypeError: Cannot read property 'k' of undefined
