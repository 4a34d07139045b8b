const schema = {k: "string", v: "string"};
function call(p, c, h, ctx) {
  const e = ctx.execution;
  const inout = (b) => (b ? "in" : "out");
  emit("type", e.type);
  emit("who", e.organization_id + "/" + e.workspace_id + "/" + e.user_id);
  emit("zone", e.timezone + " " + e.week_start);
  emit("now", String(e.now.getTime() / 1000));
  emit("attributes", e.attributes.map((a) => a.label_id + ":" + (a.date_granularity || "-")).join(","));
  emit("filters", e.filters.map((f) => f.kind).join(","));
  emit("range", e.date_range_iso().join(","));
  emit("dates", e.date_range_dates().join(",") + " " + e.date_range_dates("order_date", {inclusive_end: true})[1]);
  const f = e.attribute_filter("region.name");
  emit("region", f.kind + " " + inout(f.matches("Europe")) + " " + inout(f.matches("America")) + " " + inout(f.matches(null)));
  const m = e.attribute_filter("customer.name");
  emit("customer", m.match_type + " " + m.literal + " " + inout(m.matches("Müller GMBH")));
  emit("none", e.attribute_filter("nope") === null ? "True" : "False");
  emit("row", inout(e.matches({"region.name": "Europe", "product.category": "Toys", "customer.name": "x gmbh"})) + " " + inout(e.matches({"region.name": "Europe", "product.category": "Discontinued", "customer.name": "x gmbh"})));
  emit("initiator", e.initiator.type + " " + e.initiator.widget_id);
  emit("raw", String(e.raw.someFutureField.version));
  emit("label_elements", e.label_elements === null ? "None" : "?");
}
