const schema = {customer: "string", region: "string"};
const label_elements = "script";
function call(p, columns, h, ctx) {
  emit(ctx.execution.label_elements.label, ctx.execution.label_elements.pattern_filter);
}
