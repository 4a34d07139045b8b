exports.BASE = 2;
