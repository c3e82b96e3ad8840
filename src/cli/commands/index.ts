// One import per command file; each file calls register(...) from ../registry.
import './serve';
import './fetch';
import './stats';
import './flame';
import './eval';
import './diagnose';
export {};
