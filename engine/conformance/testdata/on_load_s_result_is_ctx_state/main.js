const schema = {v: "string"};
function on_load(ctx) {
  return {greeting: "hi " + ctx.function, key: ctx.settings.weather.api_key};
}
function call(p, c, h, ctx) { emit(ctx.state.greeting + " " + ctx.state.key); }
