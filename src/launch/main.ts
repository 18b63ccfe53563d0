// Placeholder until the SMART launch is wired (issue 5).
document.getElementById('launch-status')!.textContent = 'Tidemark launch';
