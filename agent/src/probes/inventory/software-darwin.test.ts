import { describe, expect, it } from 'vitest';
import { goldenCases } from './golden-files.js';
import { parseSystemProfilerApplications } from './software-darwin.js';

describe('golden macOS cases', () => {
  it.each(goldenCases('macos-').map((c) => [c.name, c] as const))('%s', (_name, golden) => {
    const actual = parseSystemProfilerApplications(golden.input);
    golden.write(actual);
    expect(actual).toEqual(golden.expected);
  });
});

describe('parseSystemProfilerApplications', () => {
  it('takes the publisher from the Developer ID signer, without the team id', () => {
    const json = JSON.stringify({
      SPApplicationsDataType: [
        {
          _name: 'A',
          obtained_from: 'identified_developer',
          signed_by: ['Developer ID Application: Foo Inc (ABCDE12345)', 'Developer ID Certification Authority'],
        },
        { _name: 'B', obtained_from: 'apple', signed_by: ['Software Signing'] },
        { _name: 'C', obtained_from: 'mac_app_store', signed_by: ['Apple Mac OS Application Signing'] },
      ],
    });
    expect(parseSystemProfilerApplications(json).map((s) => s.publisher)).toEqual(['Foo Inc', 'Apple', undefined]);
  });

  it('returns [] for an empty list or no output', () => {
    expect(parseSystemProfilerApplications('{"SPApplicationsDataType" : []}')).toEqual([]);
    expect(parseSystemProfilerApplications('')).toEqual([]);
  });
});
