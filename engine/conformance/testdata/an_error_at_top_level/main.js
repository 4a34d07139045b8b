const x = null.y;
// want-error: main.js:1:16: TypeError: Cannot read property 'y' of undefined
