import { describeMatrix } from './matrix';

describeMatrix(['workflowStaticData']);
