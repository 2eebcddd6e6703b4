// One run of the fault shape kill-primary (shapes.ts) on a real namespace cluster; see serial-run.ts.
import { testShape } from "./serial-run.js";

testShape("kill-primary", "10.87.0");
