import { beforeAll, describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { talentResolved, templateOf } from './support';

type CorsRule = {
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  MaxAge?: number;
};
const corsOf = (t: Template) =>
  (
    t.toJSON().Resources.BucketResumes as {
      Properties: { CorsConfiguration: { CorsRules: CorsRule[] } };
    }
  ).Properties.CorsConfiguration.CorsRules;

let prod: Template;
let staging: Template;
beforeAll(() => {
  prod = templateOf(talentResolved('prod'));
  staging = templateOf(talentResolved('staging'));
});

describe("talent's résumé bucket CORS", () => {
  it('allows only the methods the app uses (presigned POST upload, presigned GET), from its own site, no headers', () => {
    expect(corsOf(prod)).toEqual([
      { AllowedOrigins: ['https://talent.example.com'], AllowedMethods: ['POST', 'GET'], MaxAge: 3000 },
    ]);
  });
  it("takes each environment's own domain", () => {
    expect(corsOf(staging)[0]!.AllowedOrigins).toEqual(['https://staging.talent.example.com']);
  });
  it('has no wildcard anywhere and no PUT', () => {
    const json = JSON.stringify(corsOf(prod));
    expect(json).not.toContain('*');
    expect(json).not.toContain('PUT');
  });
});
