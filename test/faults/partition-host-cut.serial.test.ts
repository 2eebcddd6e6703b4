// One run of the fault shape partition-host-cut (shapes.ts) on a real namespace cluster; see serial-run.ts.
import { testShape } from "./serial-run.js";

testShape("partition-host-cut", "10.88.0");
