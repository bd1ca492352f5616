// The initialisation page: being built.
