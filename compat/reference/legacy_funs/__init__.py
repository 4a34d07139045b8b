# A FlexFun function for the legacy reference (gooddata-flexfun 1.30, the
# package flexfun-script's seed was written against), started with
# --methods-provider gooddata_flexfun and a [flexfun] section.
