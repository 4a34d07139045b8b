const schema = {v: "string"};
function call(parameters) {
  if (!("region" in parameters)) {
    bad_request("parameters.region is required");
  }
  emit(parameters.region);
}
