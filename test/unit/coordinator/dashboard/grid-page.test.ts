import assert from 'node:assert/strict';
import { layoutPage, pageOfHost } from '../../../../coordinator/src/dashboard/grid-page.ts';

describe('layoutPage', () => {
  it('below 1,000 hosts reads one window in the order hosts are taken, the page kept in range', () => {
    const counts = { Succeeded: 150, Failed: 3 };
    assert.deepEqual(layoutPage(counts, { page: 2 }), { status: null, shown: 153, page: 2, pages: 2, pageSize: 100, grouped: false, windows: [{ offset: 100, limit: 100 }] });
    assert.equal(layoutPage(counts, { page: 9 }).page, 2);
    assert.equal(layoutPage(counts, { page: 0 }).page, 1);
    assert.deepEqual(layoutPage({}, { page: 1 }), { status: null, shown: 0, page: 1, pages: 1, pageSize: 100, grouped: false, windows: [{ offset: 0, limit: 100 }] });
  });

  it('from 1,000 hosts groups them by status, failed first and succeeded last, a page spanning groups', () => {
    const counts = { Succeeded: 9900, Failed: 30, InProgress: 50, Pending: 20 };
    const first = layoutPage(counts, { page: 1 });
    assert.equal(first.grouped, true);
    assert.equal(first.pages, 100);
    assert.deepEqual(first.windows, [
      { status: 'Failed', offset: 0, limit: 30 },
      { status: 'InProgress', offset: 0, limit: 50 },
      { status: 'Pending', offset: 0, limit: 20 },
    ]);
    assert.deepEqual(layoutPage(counts, { page: 2 }).windows, [{ status: 'Succeeded', offset: 0, limit: 100 }]);
    assert.deepEqual(layoutPage({ Failed: 950, Succeeded: 100 }, { page: 10 }).windows, [
      { status: 'Failed', offset: 900, limit: 50 },
      { status: 'Succeeded', offset: 0, limit: 50 },
    ]);
  });

  it('filtered by a status, reads that status only, never grouped', () => {
    const page = layoutPage({ Succeeded: 9990, Failed: 10 }, { status: 'Succeeded', page: 3 });
    assert.deepEqual(page, { status: 'Succeeded', shown: 9990, page: 3, pages: 100, pageSize: 100, grouped: false, windows: [{ status: 'Succeeded', offset: 200, limit: 100 }] });
    assert.equal(layoutPage({ Succeeded: 5 }, { status: 'Failed', page: 1 }).shown, 0);
  });
});

describe('pageOfHost', () => {
  it('finds the page of a host under the filter when it matches, else among every host', () => {
    const place = { status: 'Succeeded' as const, before: 250, beforeInStatus: 240 };
    assert.deepEqual(pageOfHost(place, { Succeeded: 300, Failed: 10 }, 'Succeeded'), { status: 'Succeeded', page: 3 });
    assert.deepEqual(pageOfHost(place, { Succeeded: 300, Failed: 10 }, 'Failed'), { page: 3 });
    assert.deepEqual(pageOfHost(place, { Succeeded: 300, Failed: 10 }, undefined), { page: 3 });
  });

  it('counts the groups before the host\'s own when hosts are grouped', () => {
    // Failed (30) and InProgress (80) come before Succeeded: index 30 + 80 + 5 = 115.
    const place = { status: 'Succeeded' as const, before: 7, beforeInStatus: 5 };
    assert.deepEqual(pageOfHost(place, { Succeeded: 900, Failed: 30, InProgress: 80 }, undefined), { page: 2 });
  });
});
