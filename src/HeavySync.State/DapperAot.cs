// Every Dapper call in this assembly is generated at build time (Dapper.AOT interceptors): no IL is
// emitted at run time, so the state layer runs under native AOT, and a JIT build skips Dapper's
// first-use code generation (one emitted reader and parameter binder per query shape, each then
// compiled). A call Dapper.AOT cannot generate fails the build (.globalconfig beside this file).
[module: Dapper.DapperAot]
