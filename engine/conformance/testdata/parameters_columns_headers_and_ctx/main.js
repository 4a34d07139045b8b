const schema = {k: "string", v: "string"};
function call(parameters, columns, headers, ctx) {
  emit("n", String(parameters.n + 1));
  emit("nested", parameters.nested.b[2]);
  emit("columns", columns.join(","));
  emit("header", headers["x-test"][1]);
  emit("function", ctx.function);
  emit("settings", ctx.settings.weather.api_key + ctx.settings.weather.retries);
  emit("state", ctx.state === null ? "None" : "?");
  emit("cancelled", String(ctx.cancelled()));
}
