// Fails with parameters.message: the twin of raises.star in JavaScript.

const name = "RaisesJs";
const metadata = { description: "Fails with parameters.message (JavaScript)" };
const schema = { n: "int64" };

function call(parameters, columns, headers) {
  const message = parameters.message ?? "something went wrong";
  if (parameters.kind === "value") {
    bad_request(message);
  }
  throw new Error(message);
}
