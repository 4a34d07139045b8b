# FlexConnect functions for the reference server (gooddata-flexconnect), each
# the twin of a flexfun-script function: the bundled examples in
# scripts/examples/ and the scripts in compat/functions/. The differential
# tests in compat/ call both and compare what reaches the client.
#
# Each module defines only its own FlexConnectFunction subclasses: the
# registry registers every subclass visible in a module's namespace.
