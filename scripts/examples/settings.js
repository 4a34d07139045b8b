// Reads its own section of the server configuration through ctx.settings.
// The twin of settings.star. config/flexfun.config.toml has:
//
//   [example_settings]
//   greeting = "hello from config"
//
// on_load runs once per load; what it returns is frozen and passed to every
// call as ctx.state.

const name = "SettingsJs";
const metadata = { description: "A greeting from [example_settings] in the server config (JavaScript)" };
const schema = { greeting: "string", loaded_at: "timestamp[ms, tz=UTC]", sections: "int32" };

function on_load(ctx) {
  const section = ctx.settings.example_settings ?? {};
  return {
    greeting: section.greeting ?? "hello (no [example_settings] section)",
    loaded_at: new Date(),
  };
}

function call(parameters, columns, headers, ctx) {
  log.info("greeting", { greeting: ctx.state.greeting });
  return {
    greeting: [ctx.state.greeting],
    loaded_at: [ctx.state.loaded_at],
    sections: [Object.keys(ctx.settings).length],
  };
}
