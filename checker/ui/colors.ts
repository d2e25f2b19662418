// Colours only on a colour terminal (picocolors honours NO_COLOR, FORCE_COLOR and CI); JSON never has any.
import pc from 'picocolors';

export const c = pc.createColors(pc.isColorSupported && process.stdout.isTTY === true);
