import { runScenario } from './index.js';
const r = await runScenario('workload', process.argv[2], { bytes: Number(process.argv[3]), format: (process.argv[4] ?? 'pcap') as 'pcap' });
console.log(JSON.stringify(r.workload), r.frames, r.bytes, process.cpuUsage());
