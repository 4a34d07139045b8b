const schema = {
function call(:
