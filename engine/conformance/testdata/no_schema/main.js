function call() {}
