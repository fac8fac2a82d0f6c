// The shared library libpagewait: PagewaitABI's @_cdecl functions, linked
// with exports.map so that only the pw_* symbols of include/pagewait.h are
// exported. This target exists to carry those link settings; the code is in
// Apps/CABI, which the pagewait command links as well.
@_exported import PagewaitABI
