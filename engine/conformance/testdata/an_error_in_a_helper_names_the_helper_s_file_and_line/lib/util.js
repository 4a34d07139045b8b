exports.check = function check(code) {
  throw new Error(`no such region "${code}"`);
};
