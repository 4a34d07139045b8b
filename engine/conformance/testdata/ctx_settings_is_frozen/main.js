const schema = {v: "string"};
function call(p, c, h, ctx) {
  ctx.settings.weather.api_key = "x";
}
